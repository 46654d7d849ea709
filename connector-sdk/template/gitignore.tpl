node_modules/
dist/
account.json
