"""Server-rendered pages, one module per role; the views only call services and selectors."""
