"""Gunicorn settings read by ``gunicorn wsgi:app`` from the project folder; flags on the command line win.

Threaded workers keep connections alive and overlap waiting on slow clients, so a worker is
never idle while a phone on a poor network reads its response.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = 5
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # e.g. "-" for stdout

