"""Development and test tooling (throwaway Redis/PostgreSQL, `make run`'s supervisor); never imported by the app."""
