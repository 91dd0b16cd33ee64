"""At most so many dashboard pages at once: a kernel manager that refuses one kernel too many.

Every page Voila serves starts its own Python kernel (the dashboard in it holds a few hundred
MB). Jupyter's kernel managers have no cap on how many run at once, so a reload loop -- or
anyone who can reach the server -- could start kernels until the machine runs out of memory.
:class:`CappedKernelManager` is Jupyter server's own :class:`AsyncMappingKernelManager`
with one more setting, :attr:`~CappedKernelManager.max_kernels`: a page asked for while that
many kernels run (or are starting) is answered with HTTP 503 and a sentence saying what to
do, and no kernel is started.

Voila is told to use it by class name (see :func:`simkit.ui.server.voila_config`)::

    VoilaConfiguration.multi_kernel_manager_class = "simkit.ui.kernel_limits.CappedKernelManager"
    CappedKernelManager.max_kernels = 4

Idle kernels are closed by the culling settings every Jupyter kernel manager has
(``MappingKernelManager.cull_idle_timeout`` and friends), which the same configuration sets;
a closed or culled page frees its place.

>>> CappedKernelManager.max_kernels.default_value
4
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

__all__ = ["CappedKernelManager", "too_many_pages"]


def too_many_pages(limit: int) -> str:
    """What a refused page says.

    >>> too_many_pages(2)
    'The dashboard is already open in 2 pages, the most it runs at once. Close a page ...'
    """
    return (
        f"The dashboard is already open in {limit} pages, the most it runs at once. Close a "
        "page you no longer use (an unused page is closed by itself after a few minutes), "
        "then reload this one."
    )


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter server's kernel manager that starts at most :attr:`max_kernels` kernels."""

    max_kernels = Integer(
        4,
        min=1,
        config=True,
        help="The most kernels (dashboard pages) that run at once; one more is refused (503).",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0  # kernels asked for and not yet listed

    async def start_kernel(  # type: ignore[override]
        self, *, kernel_id: str | None = None, path: str | None = None, **kwargs: Any
    ) -> str:
        """Start a kernel unless :attr:`max_kernels` run already (then HTTP 503).

        The count and the reservation happen before the first ``await``, so pages asked
        for at the same moment cannot slip past the cap together.
        """
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        running = len(self.list_kernel_ids()) + self._starting
        if running >= self.max_kernels:
            self.log.warning(
                "Refused a new dashboard page: %d kernels run (max_kernels=%d)",
                running,
                self.max_kernels,
            )
            # the reason is what the error page shows (Voila's template prints only it)
            message = too_many_pages(self.max_kernels)
            raise web.HTTPError(503, message, reason=message)
        self._starting += 1
        try:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting -= 1
