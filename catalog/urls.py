from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/badges/", views.product_badges_refresh, name="product_badges"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", views.product_update, name="product_update"),
    path("products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("products/<int:product_id>/archive/", views.product_archive, name="product_archive"),
    path("products/<int:product_id>/images/", views.product_image_add, name="product_image_add"),
    path(
        "products/<int:product_id>/images/<int:image_id>/delete/",
        views.product_image_delete,
        name="product_image_delete",
    ),
    path("products/<int:product_id>/images/<int:image_id>/move/", views.product_image_move, name="product_image_move"),
    path("products/<int:product_id>/videos/", views.product_video_add, name="product_video_add"),
    path(
        "products/<int:product_id>/videos/<int:video_id>/delete/",
        views.product_video_delete,
        name="product_video_delete",
    ),
    path("bulk/delete/", views.bulk_delete, name="bulk_delete"),
    path("bulk/archive/", views.bulk_archive, name="bulk_archive"),
    path("bulk/restore/", views.bulk_restore, name="bulk_restore"),
    path("categories/", views.grouping_list, name="grouping_list"),
    path("categories/<int:category_id>/delete/", views.category_delete, name="category_delete"),
    path("folders/<int:folder_id>/delete/", views.folder_delete, name="folder_delete"),
]
