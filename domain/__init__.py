"""The manual's domains (§一–§十), one home each; see the README's map."""
