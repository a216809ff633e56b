"""Batch import of orders, items and inbound shipments from CSV or JSON lines.

  layout.py    the columns of a file, derived from an operation's input members
  rules.py     the service's checks that the model cannot express (addresses, e-mails, ...)
  kinds.py     what a row is for each import: orders, items, inbound shipments
  source.py    reading a file or stdin: encodings, BOM, CSV and JSON lines, content hash
  staging.py   an on-disk index of the rows, so memory stays flat however large the file
  validate.py  the pass that checks every row before anything is sent
  journal.py   the units a run confirmed, so a re-run never sends them again
  submit.py    sending units with bounded concurrency; a run stopped part-way still
               gives every row its outcome
  stopping.py  Ctrl-C and SIGTERM as interruptions, and sections they cannot cut in two
  results.py   the per-row results file
  export.py    orders as order lines, the form `fws outbound import` reads

Nothing here prints: the CLI (`fwscli.cli.imports`) reports problems and progress.
"""
