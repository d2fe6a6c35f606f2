"""The energy coach's consultation hour (spreekuur): a household's own numbers, a fair
comparison, measures that fit, a sheet to keep and a record from visit to visit.

Pure maths (household, averages, measures, degreedays) over plain data; the data files with
their sources live in config/coach/; visits are kept in the site's own folder (visits.py).
"""
