"""The buurtwatt dashboard: stored series turned into pages (Dash Pages, one module per page)."""
