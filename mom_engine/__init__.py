"""MOM engine: read, validate, roll up, reconcile and consolidate team planning workbooks.

Pure engine — no xlwings import here; the Excel face lives in `udfs/`.
"""
__version__ = "0.1.0"
