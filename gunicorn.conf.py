"""gunicorn settings read by ``make run`` (``-c gunicorn.conf.py``): ballot codes are
redacted from the access and error logs (README, "投票的匿名性 / Anonymity of ballots")."""

logger_class = "cadre_app.services.ballots.logfilter.GunicornLogger"
