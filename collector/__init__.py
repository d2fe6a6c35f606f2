"""collector: turns device bytes into stored series."""
