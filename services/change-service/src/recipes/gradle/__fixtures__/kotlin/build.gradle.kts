plugins {
    java
    id("org.springframework.boot") version "3.2.5"
}

val jacksonVersion = "2.15.3"

dependencies {
    implementation(libs.rpc.client)
    implementation(libs.commons.lang3)
    implementation("com.fasterxml.jackson.core:jackson-databind:$jacksonVersion")
    implementation("com.acme.common:acme-logging:0.9.1")
    testImplementation(platform("org.junit:junit-bom:5.10.1"))
    testImplementation("org.junit.jupiter:junit-jupiter")
}
