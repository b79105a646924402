"""A deliberately simple, slow reference implementation of SPEC §5 (spend) and §7 (coverage),
written from the SPEC's words with Decimal and plain loops (issue 12). It shares no code with
`mom_engine`: it reads raw cell values with openpyxl and does everything else itself, so a
differential test (tests/test_reference_differential.py) can hold the engine to it."""
