from django.conf import settings


def client_address(request) -> str | None:
    """The client's address; behind PROXY_COUNT trusted proxies, taken from X-Forwarded-For."""
    if request is None:
        return None
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None
