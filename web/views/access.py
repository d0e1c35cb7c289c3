"""Who may open a page: one decorator per product role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from core.constants import ActorRole
from core.roles import actor_role_of


def role_required(*roles: str, allow_superuser: bool = False) -> Callable:
    """Signed-out visitors go to the sign-in page; other roles get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = actor_role_of(request.user)
            if role in roles or (allow_superuser and request.user.is_superuser):
                return view(request, *args, **kwargs)
            raise PermissionDenied

        return wrapper

    return decorator


institution_required = role_required(ActorRole.INSTITUTION)
mediator_required = role_required(ActorRole.MEDIATOR)
coordinator_required = role_required(ActorRole.COORDINATOR)
