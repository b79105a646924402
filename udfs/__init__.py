"""The Excel face of MOM (SPEC §14): xlwings UDFs (`mom_udfs`), macros (`mom_macros`) and the
workbook port they run through (`port`). The only place that imports xlwings."""
