"""Infrastructure the domains use: notifications, storage, documents, calendar, validators,
regions, the public-change counter, Flask extensions. It knows nothing of the domains."""
