"""Bundled synthetic sample exports, installed as package data `caseload_cli.sample_data`."""
