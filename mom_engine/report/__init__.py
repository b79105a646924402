"""Writers: reports are data; these turn them into JSON, terminal tables and workbooks."""
