"""Built-in weighting schemes (TOML), installed as package data `caseload_cli.weights`."""
