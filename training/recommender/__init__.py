"""The two-stage recommender: candidate sources, a LightGBM LambdaRank ranker, backtests and serving."""
