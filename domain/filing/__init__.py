"""产品备案 (manual §五, SPEC §6): rules, drafts, snapshots, numbers, review, patent watch."""
