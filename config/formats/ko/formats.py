# Cohort's dates and times in Korean, the same as static/js/when.js writes them with
# Intl.DateTimeFormat("ko"): "2026년 12월 1일 오후 9:38". Unset formats fall back to Django's.
DATE_FORMAT = "Y년 n월 j일"
TIME_FORMAT = "A g:i"
DATETIME_FORMAT = "Y년 n월 j일 A g:i"
SHORT_DATE_FORMAT = "Y년 n월 j일"
SHORT_DATETIME_FORMAT = "Y년 n월 j일 A g:i"
