from django.urls import path

from studies import views

app_name = "studies"
urlpatterns = [
    path("", views.explore, name="explore"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("<int:study_id>/", views.detail, name="detail"),
    path("<int:study_id>/join/", views.join, name="join"),
    path("<int:study_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:study_id>/requests/<int:request_id>/accept/", views.accept, name="accept"),
    path("<int:study_id>/requests/<int:request_id>/reject/", views.reject, name="reject"),
    path("<int:study_id>/status/", views.change_status, name="status"),
    path("<int:study_id>/leave/", views.leave, name="leave"),
    path("<int:study_id>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path("<int:study_id>/members/<int:user_id>/review/", views.review, name="review"),
    path("<int:study_id>/transfer/", views.transfer, name="transfer"),
    path("<int:study_id>/delete/", views.delete, name="delete"),
    path("<int:study_id>/bookmark/", views.bookmark, name="bookmark"),
    path("<int:study_id>/calendar/<str:token>.ics", views.calendar, name="calendar"),
]
