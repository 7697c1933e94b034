"""Everything editors get: the admin, its forms and pages, permissions, fixture loading."""
