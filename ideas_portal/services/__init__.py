"""Domain logic shared by the HTML views, the JSON API, the CLI and the jobs."""
