"""Reference data shipped with the code and seeded by data migrations."""
