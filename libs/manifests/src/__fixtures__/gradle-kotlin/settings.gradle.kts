rootProject.name = "inventory-service"
include("app")
