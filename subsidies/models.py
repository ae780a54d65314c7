"""Models of this app arrive with its own issue; tenant-owned ones inherit alliances.tenancy.TenantModel."""
