"""Read-side queries of the accounts app, one module per area."""
