"""One module per page (Dash Pages). Each registers its path and builds its layout per request."""
