"""Monthly statistics (月度统计): per section and month, what each domain did."""
