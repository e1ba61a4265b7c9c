import { render } from "preact";
import { App } from "./app";
import { installComfort } from "./comfort";
import "./style.css";

installComfort();
render(<App />, document.getElementById("app")!);
