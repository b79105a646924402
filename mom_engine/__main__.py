"""`python -m mom_engine` = `mom`."""
from .cli import run

run()
