"""Page-number pagination: ``{"count", "next", "previous", "results"}``."""

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination


class FirstPageCountingPaginator(Paginator):
    """Django's paginator, except that the first page is read before the count: when it
    holds fewer rows than a page, they are all the rows there are, and the ``COUNT(*)``
    query is left out (most lists of the API fit on one page). Any other page counts first,
    as Django does (a page number beyond the end answers 404 before any offset is read)."""

    def page(self, number):
        if number not in (1, "1") or self.orphans or not self.allow_empty_first_page:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property
        return self._get_page(rows, self.validate_number(1), self)


class Pagination(PageNumberPagination):
    django_paginator_class = FirstPageCountingPaginator
    page_size_query_param = "page_size"
    max_page_size = 200
