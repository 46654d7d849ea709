{
  "name": "flowport-connector-{{name}}",
  "version": "0.1.0",
  "private": true,
  "description": "{{displayName}} connector for Flowport",
  "scripts": {
    "build": "flowport connector build",
    "validate": "flowport connector validate",
    "test": "jest",
    "typecheck": "tsc --noEmit",
    "try:action": "flowport connector test action get-item --props props.json --account account.json",
    "try:trigger": "flowport connector test trigger new-items --account account.json",
    "publish:registry": "flowport connector publish"
  },
  "dependencies": {
    "@flowport/connector-sdk": "^{{sdkVersion}}"
  },
  "devDependencies": {
    "@flowport/sandbox": "^{{sdkVersion}}",
    "@swc/core": "^1.16.0",
    "@swc/jest": "^0.2.39",
    "@types/jest": "^30.0.0",
    "@types/node": "^24.0.0",
    "jest": "^30.0.0",
    "typescript": "~6.0.3"
  }
}
