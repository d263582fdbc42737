plugins {
    id("org.springframework.boot")
    kotlin("jvm")
}

val rpcClientVersion: String by project
val otelVersion = "1.37.0"

java {
    toolchain {
        languageVersion.set(JavaLanguageVersion.of(21))
    }
}

dependencies {
    implementation(platform("io.opentelemetry:opentelemetry-bom:$otelVersion"))
    implementation(libs.spring.boot.starter.web)
    implementation(libs.bundles.jackson)
    implementation(libs.resilience4j.spring.boot3)
    implementation("com.acme:rpc-client:$rpcClientVersion")
    runtimeOnly(libs.postgresql)
    testImplementation("org.junit.jupiter:junit-jupiter:5.10.2")
    testImplementation(group = "org.mockito", name = "mockito-core", version = "5.11.0")
}
