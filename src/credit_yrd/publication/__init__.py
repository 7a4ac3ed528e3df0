"""Publication windows over time: the daily job that moves records across their windows and logs
what it did."""
