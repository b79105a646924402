"""The domain areas: each module holds its figures and its checks."""
