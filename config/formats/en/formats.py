# Cohort's dates and times in English, the same as static/js/when.js writes them with
# Intl.DateTimeFormat("en"): "Dec 1, 2026, 9:38 PM". Unset formats fall back to Django's.
DATE_FORMAT = "M j, Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "M j, Y, g:i A"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
