module.exports = require('./jest.esm.js')(__dirname);
