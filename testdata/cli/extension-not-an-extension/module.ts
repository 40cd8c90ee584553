export default { hello: "world" };
