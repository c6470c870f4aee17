"""Task bodies in each vendor's documented shape; every constant is the vendor's own text.

Gcore (specs/gcore/openapi.yaml): `ai_results` for GET one task, `ai_task_base` for each list item.
- task_data: the spec's own example for the task's type (`ai_transcribe` / `ai_contentmoderation_nsfw` examples);
  the `ai_results` example's `{}` is one no branch of the oneOf accepts (vendor-defects.json).
- processing_time: the task's times on the fake's clock, in the examples' format (`2024-07-13T12:30:00.000Z`);
  started_at is when the task was seeded (the list's default order is by started_at, so every task has one).
  The pinned spec has it only on GET; the vendor's newer spec requires it on list items too and the official
  SDK's `AITask` needs it, so list items carry it as well (the pinned schema allows the extra property).
- result: null, the schema's default. In the pinned spec `result` is a oneOf of result objects that require
  nothing, so every documented result object matches several branches and is rejected; only null is valid.
- progress: the seeded value, else derived: 100 for SUCCESS (as in the examples), 0 otherwise.

ModelArts (obtaining_details_about_an_auto_labeling_task.rst Table 2, obtaining_an_auto_labeling_task_list_by_page.rst
Tables 3-4): only fields whose value the fake can know; every field is optional there.
- create_time in the examples' format (`2020-11-23 11:08:20`, UTC on the fake's clock); elapsed_time in whole
  seconds from creation to now or to the end (the pages give no unit).
- progress: the seeded value, else 100.0 for succeeded (3), as in the list example, and 0.0 otherwise.
- type (list items only, an Integer with no options on the page): 0 for auto-label and 1 for pre-label, read off
  the list example (type 1 is "prelabel task execute successfully.", type 0 a training job); no value is
  documented for auto-grouping, so such items carry no type.
- exist_running_deploy_task: false, the example's value (the fake has no one-click model deployment).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from ._tasks import GcoreTask, ModelArtsTask

__all__ = [
    "GCORE_TASK_DATA",
    "gcore_task_body",
    "modelarts_detail_body",
    "modelarts_list_item",
]

# /components/schemas/ai_transcribe/example and /components/schemas/ai_contentmoderation_nsfw/example.
GCORE_TASK_DATA: dict[str, dict[str, str]] = {
    "transcription": {
        "url": "https://demo-files.gvideo.io/apidocs/spritefright-blender-cut30sec.mp4",
        "task_name": "transcription",
        "audio_language": "ger",
    },
    "content-moderation": {
        "url": "https://demo-files.gvideo.io/ai_demo_subtitles_nudity_detection.mp4",
        "task_name": "content-moderation",
        "category": "nsfw",
    },
}
_MODELARTS_TYPE_CODES = {"auto-label": 0, "pre-label": 1}


def _milliseconds(when: dt.datetime) -> dt.datetime:
    """UTC, to the millisecond the examples show, so the times and their difference agree."""
    when = when.astimezone(dt.timezone.utc)
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _gcore_time(when: dt.datetime) -> str:
    when = _milliseconds(when)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}Z"


def gcore_task_body(task: GcoreTask, *, detail: bool) -> dict[str, Any]:
    """`ai_results` (detail) or an `ai_task_base` list item."""
    progress = task.progress if task.progress is not None else (100 if task.status == "SUCCESS" else 0)
    completed = task.completed
    body: dict[str, Any] = {
        "task_id": task.task_id,
        "task_name": task.task_name,
        "status": task.status,
        "progress": progress,
        "task_data": copy.deepcopy(GCORE_TASK_DATA[task.task_name]),
        "processing_time": {
            "started_at": _gcore_time(task.created),
            "completed_at": None if completed is None else _gcore_time(completed),
            "total_time_sec": None
            if completed is None
            else round((_milliseconds(completed) - _milliseconds(task.created)).total_seconds(), 3),
        },
    }
    if detail:
        body["result"] = None
    return body


def _modelarts_common(task: ModelArtsTask, now: dt.datetime) -> dict[str, Any]:
    progress = task.progress if task.progress is not None else (100.0 if task.status == 3 else 0.0)
    end = task.finished if task.finished is not None else now
    body: dict[str, Any] = {
        "task_id": task.task_id,
        "status": task.status,
        "progress": float(progress),
        "create_time": f"{task.created.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S}",
        "elapsed_time": max(0, int((end - task.created).total_seconds())),
    }
    if task.task_name is not None:
        body["task_name"] = task.task_name
    return body


def modelarts_detail_body(task: ModelArtsTask, now: dt.datetime) -> dict[str, Any]:
    """The body of GET .../tasks/{task_id} (Table 2)."""
    return _modelarts_common(task, now)


def modelarts_list_item(task: ModelArtsTask, now: dt.datetime) -> dict[str, Any]:
    """One RunningTask of GET .../tasks (Table 4)."""
    body = {"dataset_id": task.dataset_id, **_modelarts_common(task, now)}
    if task.task_type in _MODELARTS_TYPE_CODES:
        body["type"] = _MODELARTS_TYPE_CODES[task.task_type]
    return body
