"""Pages people read, share and cite: templates, charts and their assets, served by the app."""
