"""``services.leases``: the lock the push run, the inbox drain and the order intake hold their store by."""

from integrations.services import leases
from integrations.services.leases import lease_release, lease_take
from tests.waiting import wait_until


def test_a_lease_is_renewed_while_its_holder_lives_and_lapses_when_it_dies(settings):
    """Renewed every third of the lease while the holder lives; a holder killed without letting go
    (its heartbeat gone with it) frees the key within one lease."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    key = "lease-test"
    assert lease_take(key, seconds=0.6)
    beat = leases._held[key]
    assert wait_until(lambda: beat.renewals >= 3, timeout=60)
    assert lease_take(key, seconds=0.6) is False
    beat.stopped.set()  # its worker killed: no release, the heartbeat gone with it
    beat.join(timeout=60)
    assert wait_until(lambda: lease_take(key, seconds=0.6), timeout=60)
    lease_release(key)
    assert lease_take(key, seconds=0.6)
    lease_release(key)
