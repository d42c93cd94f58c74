import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from reparo.core.proxy import behind_proxies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reparo.settings")
application = behind_proxies(get_wsgi_application(), settings.TRUSTED_PROXIES)
