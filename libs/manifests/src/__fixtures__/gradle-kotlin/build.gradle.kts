plugins {
    java
    alias(libs.plugins.spring.boot) apply false
    id("io.spring.dependency-management") version "1.1.4" apply false
    kotlin("jvm") version "1.9.23" apply false
}

allprojects {
    group = "com.acme.inventory"
    version = "0.9.0"
}
