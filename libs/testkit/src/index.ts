export { getTestInfra } from './get-test-infra';
export { resolveTestInfra, TestInfraUnavailableError, type TestInfra, type InfraSource, type ContainerStarter } from './test-infra';
export { testcontainersStarter, TEST_IMAGES } from './containers';
export { createTestDatabase, type TestDatabase, type CreateTestDatabaseOptions } from './database';
export { createTopics, deleteTopics, type TestTopicSpec } from './topics';
export { uniqueTopic, uniqueDatabaseName, databaseUrlFor } from './names';
export { waitFor, WaitForTimeoutError, type WaitForOptions } from './wait-for';
export { getClosedPort } from './ports';
export { readStackEnv, STACK_ENV_FILE } from './stack-env';
