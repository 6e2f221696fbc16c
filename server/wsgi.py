"""The WSGI entry point: ``dmkg serve`` runs it under granian; other servers can too
(``gunicorn server.wsgi:app``). Settings come from ``DMKG_*`` variables; the query workers start at
import, so the first request does not wait for them."""

from multiprocessing import util

from server import create_app
from server.accesslog import configure_logging
from server.app_engine import get_pool
from server.granian_front import die_with_serve

die_with_serve()
app = create_app()
configure_logging()
with app.app_context():
    pool = get_pool()
# granian's web worker is a multiprocessing child, which ends without running atexit handlers: stop
# the query workers and remove their temporary directories when it ends
util.Finalize(None, pool.close, exitpriority=10)
