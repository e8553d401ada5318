from typing import Any

from integrations.models import BigCommerceConnection, SyncEvent


def sync_event_record(
    *,
    connection: BigCommerceConnection | None,
    kind: str,
    message: str,
    status: str = SyncEvent.Status.OK,
    direction: str = SyncEvent.Direction.INTERNAL,
    detail: dict[str, Any] | None = None,
    attempts: int = 1,
    merchant=None,
) -> SyncEvent:
    """Write one journal line. ``message`` is plain language; ``detail`` what was sent/answered."""
    return SyncEvent.objects.create(
        merchant=merchant or (connection.merchant if connection else None),
        connection=connection,
        kind=kind,
        message=str(message),
        status=status,
        direction=direction,
        detail=detail or {},
        attempts=attempts,
    )


def sync_event_finish(*, event_id: int | None, status: str, attempts: int | None = None) -> None:
    """Close a running journal line (the operation it announced succeeded or failed)."""
    if not event_id:
        return
    changes = {"status": status}
    if attempts is not None:
        changes["attempts"] = attempts
    SyncEvent.objects.filter(pk=event_id, status=SyncEvent.Status.RUNNING).update(**changes)
