import pytest
from django.test import override_settings

from reparo.demo.seed import seed_demo
from reparo.messaging.models import Message, Relay, RelayStatus, Thread

pytestmark = pytest.mark.django_db


@override_settings(DEVELOPMENT=True)
def test_it_seeds_a_conversation_and_a_letter_waiting_in_the_queue_once():
    seed_demo()
    seed_demo()
    assert Thread.objects.count() == 2 and Message.objects.count() == 2
    assert list(Relay.objects.values_list("status", flat=True)) == [RelayStatus.QUEUED]
