"""Review queues of the back office: units (实名认证, 变更) and product filings (产品备案)."""
