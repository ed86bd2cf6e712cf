"""One module per `caseload` sub-command; each imports the core lazily."""
