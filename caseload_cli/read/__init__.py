"""Reading caseload exports into `Table`s, one module per input format.

`read.table` holds the entry points (`read_table`, `guess_format`) and picks
the format; `read.csv`, `read.xlsx` and `read.parquet` each read one format;
`read.frame` is the step the format readers share; `read.text` is the cell
and header text the contract shares with the readers.
"""
