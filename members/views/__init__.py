"""Member pages, one module per area: units (list, detail, edit), lifecycle, applications (public form),
imports, self-service (member representatives), change requests, certificates."""
